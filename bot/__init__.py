"""advocacy-bot: schedules advocacy posts that tag legislators about bills.

The package reads as the pipeline:

- ``bot.campaigns``  campaign files: schema, YAML loading, validation errors
- ``bot.directory``  legislators, their accounts, selectors
- ``bot.compose``    templates, platform length and mention rules, planning
- ``bot.platforms``  one publisher per platform (dry-run included)
- ``bot.guard``      platform rules and organizer policy before every publish
- ``bot.store``      the SQL post log
- ``bot.schedule``   APScheduler wiring and the run loop
- ``bot.cli``        the ``advocacy-bot`` command
"""

__version__ = "0.1.0"
