import pytest

from rag_release_tests.conftest import Pipeline, copy_sample, write_test_envs


@pytest.fixture()
def sample_pipeline(tmp_path, instance, engine) -> Pipeline:
    """A fresh copy of the sample application with an empty home."""
    config = copy_sample(tmp_path / "app")
    return Pipeline(config, tmp_path / "home", write_test_envs(tmp_path / "envs"), instance)
