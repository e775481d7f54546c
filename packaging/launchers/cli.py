"""Entry point of the packaged `foley-assistant` (PyInstaller runs this file as the program).

Besides the command line, it runs the one module the product starts as a child process with
`sys.executable -m MODULE` (the neural engine's worker): in a frozen app `sys.executable` is this
program, not a Python interpreter, so `-m` is handled here for that module alone.
"""

import multiprocessing
import runpy
import sys

#: Modules the product itself starts with `sys.executable -m ...`.
CHILD_MODULES = frozenset({"foley_assistant.model.worker"})


def main() -> int:
    multiprocessing.freeze_support()
    if len(sys.argv) > 2 and sys.argv[1] == "-m":
        module = sys.argv[2]
        if module not in CHILD_MODULES:
            print(f"error: this build runs only {', '.join(sorted(CHILD_MODULES))} with -m, not {module}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from foley_assistant.cli.main import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
