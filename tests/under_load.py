"""Run a command while other processes keep the CPU cores busy: `python tests/under_load.py N -- CMD ...`.

A suite that passes on an idle machine can still fail on a loaded one (a CI runner, a shared
server): timeouts, thread barriers, anything that assumes a quiet machine. `make test-stress`
runs the suite this way. The exit status is the command's.
"""
import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(int(sys.argv[1]))]
    try:
        return subprocess.call(sys.argv[3:])
    finally:
        for p in busy:
            p.kill()


if __name__ == "__main__":
    sys.exit(main())
