"""The web app: a review dashboard for organizers and a share page for supporters.

Server-rendered HTML (Flask and Jinja2, autoescaping everywhere), no build
step. ``advocacy-bot serve`` (:mod:`bot.cli.web`) builds it with
:func:`bot.web.app.create_app`; nothing else imports this package, so other
commands never load the web framework.

Modules: ``app`` (the factory, security headers), ``context`` (what the views
share: the configuration, the state, this request's database session), ``auth`` (login and CSRF),
``campaigns`` (campaign files, reloaded when they change), ``stats`` and
``charts`` (the dashboard's numbers and its inline-SVG chart), ``upcoming``
(what goes out next), ``districts`` and ``share`` (the supporter page's
legislators and intent links), ``geocode`` (address → districts, the Census
geocoder), ``actions`` (call scripts and emails per legislator), ``outcomes``
(call outcome counters; its table is registered in ``bot.tables``,
which imports no web framework), ``views_*`` (one module per area),
``signup`` and ``views_updates`` (updates by email: sign-up, the dashboard's
page), ``mail`` and ``digest`` (supporter email and the daily digest; no web
framework, so ``advocacy-bot updates digest`` imports them without Flask).
"""
