import "./styles.css";

interface VersionInfo {
  version: string;
  color: string;
}

interface QueryResult {
  id: number;
  dims: number;
  total_queries: number;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing element #${id}`);
  return found as T;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = (body as { error?: string }).error ?? response.statusText;
    throw new Error(`${response.status} ${message}`);
  }
  return body as T;
}

function show(target: HTMLElement, text: string, isError = false): void {
  target.textContent = text;
  target.classList.toggle("error", isError);
  target.classList.remove("muted");
}

async function loadVersion(target: HTMLElement): Promise<void> {
  try {
    const info = await getJson<VersionInfo>("/api/version");
    show(target, `version ${info.version} (${info.color})`);
  } catch (err) {
    show(target, `version unavailable: ${(err as Error).message}`, true);
  }
}

function setup(): void {
  const form = element<HTMLFormElement>("query-form");
  const input = element<HTMLTextAreaElement>("query-text");
  const button = form.querySelector("button") as HTMLButtonElement;
  const result = element<HTMLPreElement>("result");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    button.disabled = true;
    try {
      const answer = await getJson<QueryResult>("/api/query", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      });
      show(result, JSON.stringify(answer, null, 2));
    } catch (err) {
      show(result, `query failed: ${(err as Error).message}`, true);
    } finally {
      button.disabled = false;
    }
  });

  void loadVersion(element("version"));
}

setup();
