"""The ``recast-pipeline`` command line: one module per subcommand, ``main`` dispatches."""
