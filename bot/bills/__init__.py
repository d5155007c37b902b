"""Bills that drive targeting: data from Congress.gov and Open States, bill roles, steps.

``advocacy-bot bills sync`` fetches each campaign bill from its source
(:mod:`bot.bills.congress` for ``jurisdiction: us``, :mod:`bot.bills.openstates`
for a state), normalises it into a :class:`~bot.bills.records.BillRecord`
(:mod:`bot.bills.status` works out its status, current chamber and committees)
and caches it in the database (:mod:`bot.bills.models`, :mod:`bot.bills.store`),
with when it was fetched. Offline, everything reads the cache;
``advocacy-bot bills import`` (:mod:`bot.bills.importer`) fills it from saved
API answers instead.

- :mod:`bot.bills.roles`: the bill-role selectors (``bill_role: sponsors``...),
  resolved in SQL against the legislator directory through shared ids
  (bioguide, ``ocd-person/...``).
- :mod:`bot.bills.events` and :mod:`bot.bills.triggers`: bill events
  (referred, reported, a failed vote, passed a chamber, vetoed, signed...)
  recorded once each, and the campaign ``steps:`` they fire;
  :mod:`bot.bills.campaign_stage` tells a campaign run which step is in force and whether
  an event in the campaign's ``stop_on`` ended it.
- :mod:`bot.bills.report`: what ``bills show`` and ``bills steps`` print.

See docs/bills.md.
"""
