"""Action server package: thin Rasa actions (actions.py) over plain, testable modules."""
