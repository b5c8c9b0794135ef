#!/bin/bash
set -euo pipefail

cd "$(dirname "$0")"

stamp=wheels/.requirements.sha256
wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    echo "wheels up to date"
    exit 0
fi

rm -rf wheels
python3 -m pip wheel --quiet -r requirements.txt -w wheels
echo "$wanted" > "$stamp"
ls wheels
