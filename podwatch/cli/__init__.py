"""The command line: parsing and words in cli.main, what each command does in the modules beside it."""
