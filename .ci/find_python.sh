#!/bin/sh
# Print the path of a Python >= 3.12 interpreter: PATH first, then pyenv's installed versions.
# Exit with a clear message when none is found.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for name in python3.13 python3.12 python3 python; do
    p=$(command -v "$name" 2>/dev/null) || continue
    if ok "$p"; then echo "$p"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for d in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -V); do
    for p in "$d"/bin/python3; do
        if [ -x "$p" ] && ok "$p"; then echo "$p"; exit 0; fi
    done
done
echo "error: decisionkit needs Python >= 3.12, and none was found on PATH or under pyenv ($root/versions)." >&2
echo "Install one (e.g. 'pyenv install 3.12') or put python3.12 on PATH, then run make again." >&2
exit 1
