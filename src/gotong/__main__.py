"""``python -m gotong`` runs the command line."""

from gotong.cli import main

main()
