"""`python -m readiness` runs the command-line interface."""

from readiness.cli import main

if __name__ == "__main__":
    main()
