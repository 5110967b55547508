"""``python -m maitre`` runs the command line."""

from maitre.cli.main import main

main()
