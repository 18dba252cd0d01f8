"""The bench-only Django site for bench/pages.py: settings and a URLconf with the floor view.
A package, so `make bench` (every bench/*.py) does not run these as scripts."""
