"""advocacy-bot: schedules advocacy posts that tag legislators about bills.

The package reads as the pipeline, lowest layer first: each part builds on those
listed before it (``tests/test_layers.py`` checks that no imports go round in a
cycle, and lists the few that still go against this order):

- ``bot.clock``      the injected clock (nothing calls ``datetime.now()`` directly)
- ``bot.safeyaml``   YAML from outside, read within a budget
- ``bot.posts``      a post's plain shapes: status, planned, logged, the guard's verdict
- ``bot.config``     settings from the environment and ``.env``
- ``bot.store``      the SQL post log: models, engine and migrations, queries
- ``bot.directory``  legislators, their accounts and committees; importers, selectors
- ``bot.campaigns``  campaign files: schema, YAML loading, validation errors
- ``bot.compose``    templates, platform length and mention rules, planning
- ``bot.bills``      bill data (Congress.gov, Open States), bill roles, bill-event posts
- ``bot.platforms``  one publisher per platform (dry-run included), pricing
- ``bot.schedule``   fire times, campaign runs, the publishing worker, APScheduler
- ``bot.guard``      platform rules and organizer policy, checked before every publish
- ``bot.notify``     email and webhook notices of what needs a person
- ``bot.web``        the organizers' dashboard and the supporter pages (Flask)
- ``bot.tables``     every table, for Alembic
- ``bot.cli``        the ``advocacy-bot`` command
"""

__version__ = "0.1.0"
