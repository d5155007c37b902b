"""Public pages: the campaign list, each campaign's supporter page, its Atom feed.

No login and no writes. The one POST, "find my legislators", sends the
supporter's address (or location) to the geocoder and redirects to their
legislators by district: the address is never in a URL (so never in an access
log), never stored and never logged. The supporter page shows only posts that
really went out (``posted``), as does the feed.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie,
)
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from bot.campaigns.loaded import LoadedCampaign
from bot.config import ConfigError, Organisation
from bot.directory.models import PersonPhoto, PersonRow
from bot.store.models import Post, Status
from bot.web import actions, leaders, photos, share
from bot.web.context import db_session, state
from bot.web.districts import (
    STATE_NAMES,
    Legislator,
    district_fields,
    finders,
    legislators_for,
    picked_districts,
    states_with_people,
    vacancies,
)
from bot.web.filters import safe_url
from bot.web.geocode import Geocoder, Kind, coordinates, one_line
from bot.web.outcomes import OUTCOME_LABELS, Outcome, ReportLimit, record

log = logging.getLogger(__name__)
blueprint = Blueprint("public", __name__)


def _register_calls() -> None:
    from bot.web import views_calls

    blueprint.register_blueprint(views_calls.blueprint)


_register_calls()

LATEST_POSTS = 10
FEED_ENTRIES = 50
#: Why an address lookup gave no legislators, as the page says it.
LOOKUP_PROBLEMS = {
    "incomplete": "Give your street address and your city and state, or your ZIP code.",
    Kind.NO_MATCH.value: "We couldn't find that address. Check the street and number, "
    "or choose your districts below.",
    Kind.AMBIGUOUS.value: "That address matches places in more than one district. Add the city "
    "and state and the ZIP code, or choose your districts below.",
    Kind.UNAVAILABLE.value: "The address lookup isn't answering right now. Choose your "
    "districts below, or use your legislature's own lookup.",
    "elsewhere": "That address is outside the states this campaign is about. Choose a state "
    "below, or use your legislature's own lookup.",
}
#: Pages with the "use my location" button may ask for it (and only for this site).
LOCATION_POLICY = "camera=(), microphone=(), geolocation=(self), interest-cohort=()"


@blueprint.context_processor
def _organisation() -> dict[str, object]:
    """``org`` for every public page: the organisation's name, logo, colour and links."""
    return {"org": organisation()}


@blueprint.app_template_global("shows_photo")
def shows_photo(legislator: Legislator) -> bool:
    """Whether a legislator's card shows their portrait (one from an allowed origin)."""
    try:
        origins = state().config.settings.photo_origins
    except ConfigError as problem:
        log.error("supporter pages: %s", problem)
        return False
    return photos.allowed(legislator.photo_url, origins)


def organisation() -> Organisation:
    """The configured organisation; a wrong ``ORG_*`` setting is logged, never a broken page."""
    try:
        return state().config.settings.organisation
    except ConfigError as problem:
        log.error("supporter pages: %s", problem)
        return Organisation()


@blueprint.route("/org.css")
def org_css() -> Response:
    """The organisation's colour, as a stylesheet (the pages allow no inline styles)."""
    colour = organisation().colour
    body = f":root {{ --accent: {colour}; }}\n" if colour else "/* no ORG_COLOR */\n"
    response = Response(body, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def _summary(loaded: LoadedCampaign, limit: int = 200) -> str:
    """One line about the campaign for link previews: the first bill's summary (or why)."""
    bill = loaded.campaign.bills[0]
    text = " ".join((bill.summary or bill.why or bill.title).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _campaign(campaign_id: str) -> LoadedCampaign:
    loaded = state().campaigns.get(campaign_id)
    if loaded is None or not loaded.campaign.enabled:
        abort(404, "There is no such campaign.")
    return loaded


def _posted(campaign_id: str, limit: int) -> list[Post]:
    return list(
        db_session().scalars(
            select(Post)
            .where(Post.campaign_id == campaign_id, Post.status == Status.POSTED.value)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
    )


def _instance() -> str:
    return share.clean_instance(request.args.get("instance")) or state().config.mastodon_instance


def _jurisdictions(loaded: LoadedCampaign) -> list[str]:
    return list(dict.fromkeys(bill.jurisdiction for bill in loaded.campaign.bills))


def _chosen_state(states: list[str]) -> str | None:
    wanted = (request.args.get("state") or "").strip().upper()
    if wanted in states:
        return wanted
    return states[0] if len(states) == 1 else None


@blueprint.route("/")
def index() -> str:
    campaigns = [c for c in state().campaigns.all() if c.campaign.enabled]
    return render_template("index.html", campaigns=campaigns)


@blueprint.route("/healthz")
def healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")


@blueprint.route("/c/<campaign_id>")
def campaign_page(campaign_id: str) -> Response:
    loaded = _campaign(campaign_id)
    session = db_session()
    jurisdictions = _jurisdictions(loaded)
    states = states_with_people(session, jurisdictions)
    chosen = _chosen_state(states)
    fields = district_fields(session, jurisdictions, chosen) if chosen else []
    instance = _instance()
    page_url = url_for("public.campaign_page", campaign_id=campaign_id, _external=True)
    latest = [_shares(post, instance) for post in _posted(campaign_id, LATEST_POSTS)]
    problem = LOOKUP_PROBLEMS.get(request.args.get("lookup") or "")
    body = render_template(
        "supporter/campaign.html",
        loaded=loaded,
        campaign=loaded.campaign,
        latest=latest,
        states=states,
        state_names=STATE_NAMES,
        chosen_state=chosen,
        fields=fields,
        picked={},
        instance=instance,
        page_url=page_url,
        problem=problem,
        finders=finders(jurisdictions, chosen),
        summary=_summary(loaded),
        zone=loaded.campaign.schedule.tz,
        has_leaders=bool(leaders.leaders_for(session, jurisdictions)),
    )
    response = make_response(body)
    response.headers["Permissions-Policy"] = LOCATION_POLICY
    return response


@blueprint.route("/c/<campaign_id>/find", methods=["POST"])
def find(campaign_id: str) -> BaseResponse:
    """Find my legislators: the address (or location) to districts, then to their page.

    The address goes to the geocoder and nowhere else: it is not stored, not
    logged, and the redirect carries only the state and districts.
    """
    loaded = _campaign(campaign_id)
    instance = _instance_from(request.form.get("instance"))
    geocoder = Geocoder(state().config.settings.geocoder_url)
    point = coordinates(request.form.get("latitude", ""), request.form.get("longitude", ""))
    line = one_line(request.form.get("street", ""), request.form.get("place", ""))
    if point is not None:
        lookup = geocoder.location(*point)
    elif line is not None:
        lookup = geocoder.address(line)
    else:
        return _lookup_failed(campaign_id, "incomplete", instance)
    found = lookup.districts
    if lookup.kind is not Kind.FOUND or found is None:
        return _lookup_failed(campaign_id, lookup.kind.value, instance)
    session = db_session()
    jurisdictions = _jurisdictions(loaded)
    if found.state not in states_with_people(session, jurisdictions):
        return _lookup_failed(campaign_id, "elsewhere", instance)
    fields = district_fields(session, jurisdictions, found.state)
    asked = {
        "us_house": found.congressional,
        "senate": found.upper,
        "house": found.lower,
        "legislature": found.upper,
    }
    picked: dict[str, Any] = picked_districts(fields, asked)
    how = "location" if point is not None else "address"
    target = url_for(
        "public.act",
        campaign_id=campaign_id,
        state=found.state,
        **picked,
        found=how,
        **_instance_arg(instance),
    )
    return redirect(target, code=303)


def _instance_arg(instance: str | None) -> dict[str, Any]:
    """``instance=`` for ``url_for`` when the supporter gave one (typed for its ``**values``)."""
    return {"instance": instance} if instance else {}


def _instance_from(value: str | None) -> str | None:
    return share.clean_instance(value)


def _lookup_failed(campaign_id: str, why: str, instance: str | None) -> BaseResponse:
    """Back to the district pickers, saying why (never what was typed)."""
    args: dict[str, Any] = {"lookup": why, **_instance_arg(instance)}
    target = url_for("public.campaign_page", campaign_id=campaign_id, **args) + "#act"
    return redirect(target, code=303)


@blueprint.route("/c/<campaign_id>/act")
def act(campaign_id: str) -> BaseResponse | str:
    """ "Post it yourself" and "call or email", for the supporter's own legislators."""
    loaded = _campaign(campaign_id)
    session = db_session()
    jurisdictions = _jurisdictions(loaded)
    states = states_with_people(session, jurisdictions)
    chosen = _chosen_state(states)
    if chosen is None:
        return redirect(url_for("public.campaign_page", campaign_id=campaign_id) + "#act")
    fields = district_fields(session, jurisdictions, chosen)
    picked = picked_districts(fields, {f.name: request.args.get(f.name) for f in fields})
    named = {person.id: person.handles for person in loaded.people}
    legislators = legislators_for(session, fields, chosen, picked, campaign_handles=named)
    vacant = vacancies(fields, chosen, picked, legislators)
    steps = actions.steps(loaded.campaign, legislators)
    instance = _instance()
    page_url = url_for("public.campaign_page", campaign_id=campaign_id, _external=True)
    posts = share.ready_posts(
        loaded.campaign,
        [leg.person for leg in legislators],
        instance=instance,
        page_url=page_url,
    )
    leadership = _leadership(loaded, session, named, instance, page_url)
    return render_template(
        "supporter/act.html",
        leadership=leadership,
        campaign=loaded.campaign,
        states=states,
        chosen_state=chosen,
        state_names=STATE_NAMES,
        fields=fields,
        picked=picked,
        legislators=legislators,
        vacant=vacant,
        steps=steps,
        reported=set(_reported()),
        outcomes=list(OUTCOME_LABELS.items()),
        without_handle=actions.without_handle,
        found=request.args.get("found")
        if request.args.get("found") in ("address", "location")
        else None,
        finders=finders(jurisdictions, chosen),
        posts=posts,
        instance=instance,
        page_url=page_url,
    )


def _leadership(
    loaded: LoadedCampaign,
    session: Session,
    named: dict[str, dict[str, str]],
    instance: str,
    page_url: str,
) -> leaders.Leadership:
    found = leaders.leaders_for(session, _jurisdictions(loaded), campaign_handles=named)
    return leaders.leadership(loaded.campaign, found, instance=instance, page_url=page_url)


@blueprint.route("/c/<campaign_id>/leadership")
def leadership(campaign_id: str) -> str:
    """The leadership of the campaign's chambers, to call, email or post to (no address)."""
    loaded = _campaign(campaign_id)
    session = db_session()
    named = {person.id: dict(person.handles) for person in loaded.people}
    instance = _instance()
    page_url = url_for("public.campaign_page", campaign_id=campaign_id, _external=True)
    return render_template(
        "supporter/leadership.html",
        campaign=loaded.campaign,
        leadership=_leadership(loaded, session, named, instance, page_url),
        reported=set(_reported()),
        outcomes=list(OUTCOME_LABELS.items()),
        instance=instance,
        picked={},
        chosen_state=None,
        state_names=STATE_NAMES,
    )


#: How many "how did it go" answers one browser session remembers (one per legislator).
MAX_REPORTED = 100
#: Answers per client address per hour, whatever its cookies.
REPORTS_PER_HOUR = 30


def _report_limit() -> ReportLimit:
    """This app's limit on answers per address (one per app, so tests never share one)."""
    found: ReportLimit = current_app.extensions.setdefault(
        "advocacy.report_limit", ReportLimit(limit=REPORTS_PER_HOUR, window=3600.0)
    )
    return found


def _reported() -> list[str]:
    """``campaign/person`` keys this browser already reported a call for."""
    found = cookie.get("called")
    return [k for k in found if isinstance(k, str)] if isinstance(found, list) else []


@blueprint.route("/c/<campaign_id>/called", methods=["POST"])
def called(campaign_id: str) -> BaseResponse:
    """How a call went: adds one to the legislator's counter (once per browser session).

    Nothing about the supporter is stored; the redirect goes back to their
    legislators, at the next one.
    """
    loaded = _campaign(campaign_id)
    session = db_session()
    jurisdictions = _jurisdictions(loaded)
    try:
        outcome = Outcome(request.form.get("outcome", ""))
    except ValueError:
        abort(400, "Choose how the call went: reached, voicemail or busy.")
    person_id = request.form.get("person", "")
    known = session.scalar(
        select(PersonRow.id).where(
            PersonRow.id == person_id,
            PersonRow.active.is_(True),
            PersonRow.jurisdiction.in_(jurisdictions),
        )
    )
    if known is None:
        abort(400, "That legislator is not one of this campaign's.")
    key = f"{campaign_id}/{person_id}"
    reported = _reported()
    if key not in reported:
        if not _report_limit().allow(request.remote_addr or "?", time.monotonic()):
            abort(429, "Thank you! We have counted many answers from here this hour; try later.")
        with state().db.session() as write:
            record(write, campaign_id, person_id, outcome, state().config.clock.now())
        cookie["called"] = [*reported, key][-MAX_REPORTED:]
    states = states_with_people(session, jurisdictions)
    chosen = (request.form.get("state") or "").strip().upper()
    if request.form.get("back") == "leadership":  # a leader's card: back at the next one
        step = request.form.get("next", "")
        anchor = f"#lead-{step}" if step.isdigit() and len(step) <= 2 else "#leadership"
        if not chosen:
            target = url_for("public.leadership", campaign_id=campaign_id)
            return redirect(target + anchor, code=303)
    if chosen not in states:
        return redirect(url_for("public.campaign_page", campaign_id=campaign_id) + "#act", 303)
    fields = district_fields(session, jurisdictions, chosen)
    picked: dict[str, Any] = picked_districts(
        fields, {f.name: request.form.get(f.name) for f in fields}
    )
    instance = share.clean_instance(request.form.get("instance"))
    step = request.form.get("next", "")
    if request.form.get("back") != "leadership":
        anchor = f"#leg-{step}" if step.isdigit() and len(step) <= 2 else "#post"
    target = url_for(
        "public.act",
        campaign_id=campaign_id,
        state=chosen,
        **picked,
        **_instance_arg(instance),
    )
    return redirect(target + anchor, code=303)


#: What a feed reader asks for, and what a browser does (its Accept puts text/html first).
FEED_TYPES = ["application/atom+xml", "text/html"]


@blueprint.route("/c/<campaign_id>/feed.atom")
def feed(campaign_id: str) -> Response:
    """The campaign's posts that went out, newest first: Atom for feed readers, a page
    for browsers.

    Content negotiation on ``Accept``: a browser's navigation asks for ``text/html``
    first and gets the posts as an HTML page (not XSLT, which Chromium is removing
    and warns about on every page using it); a feed reader (``application/atom+xml``,
    ``*/*``, or no ``Accept``) gets the Atom document. Both from the same address, so
    the address a supporter copies from the browser works in their feed reader.
    """
    loaded = _campaign(campaign_id)
    posts = _posted(campaign_id, FEED_ENTRIES)
    page_url = url_for("public.campaign_page", campaign_id=campaign_id, _external=True)
    if request.accept_mimetypes.best_match(FEED_TYPES) == "text/html":
        body = render_template(
            "supporter/feed.html",
            campaign=loaded.campaign,
            posts=[_shares(post, _instance()) for post in posts],
            zone=loaded.campaign.schedule.tz,
            page_url=page_url,
        )
        response = Response(body, mimetype="text/html")
    else:
        body = render_template(
            "feed.xml",
            campaign=loaded.campaign,
            posts=posts,
            updated=max((p.updated_at for p in posts), default=state().config.clock.now()),
            host=request.host.split(":")[0],
            self_url=request.base_url,
            page_url=page_url,
        )
        response = Response(body, mimetype="application/atom+xml")
    response.vary.add("Accept")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def _shares(post: Post, instance: str) -> dict[str, object]:
    """A posted post with its repost and share links (only http(s) URLs are used)."""
    url = safe_url(post.remote_url)
    links: list[tuple[str, str]] = []
    if post.platform == "x" and (repost := share.x_repost(post.remote_id)):
        links.append(("Repost on X", repost))
    if url:
        if post.platform == "bluesky":
            links.append(("Quote on Bluesky", share.bluesky_compose(url)))
        else:
            links.append(("Share on Bluesky", share.bluesky_compose(url)))
        links.append(("Share on Facebook", share.facebook_share(url)))
        links.append((f"Share on Mastodon ({instance})", share.mastodon_share(instance, url)))
        if post.platform != "x":
            links.append(("Share on X", share.x_post(url)))
    return {"post": post, "url": url, "links": links}


@blueprint.get("/photo/<path:person_id>")
def photo(person_id: str) -> Response:
    """A legislator's portrait, from the bot's own origin (:mod:`bot.web.photos`); a
    neutral silhouette when there is none to show."""
    found = _portrait(person_id, state().config.settings.photo_origins)
    if found is None:
        response = make_response(photos.PLACEHOLDER_SVG)
        response.content_type = "image/svg+xml"
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response = make_response(found.body)
        response.content_type = found.content_type
        response.headers["Cache-Control"] = "public, max-age=604800"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _portrait(person_id: str, origins: tuple[str, ...]) -> photos.Photo | None:
    """The stored portrait, fetched first if it is missing or stale (outside any transaction:
    a slow image host never holds the database): read, fetch, then write what was fetched."""
    with state().db.read_session() as session:
        row = session.execute(
            select(
                PersonRow.photo_url,
                PersonPhoto.url,
                PersonPhoto.content_type,
                PersonPhoto.body,
                PersonPhoto.fetched_at,
            )
            .outerjoin(PersonPhoto, PersonPhoto.person_id == PersonRow.id)
            .where(PersonRow.id == person_id)
        ).first()
    if row is None or not photos.allowed(row.photo_url, origins):
        return None
    now = state().config.clock.now()
    if row.url == row.photo_url and not photos.stale(row.fetched_at, row.body is not None, now):
        return photos.Photo(row.content_type, row.body) if row.body is not None else None
    try:
        found: photos.Photo | None = photos.fetch(row.photo_url)
        problem = None
    except photos.PhotoError as exc:
        found, problem = None, str(exc)
        log.info("portrait of %s not fetched: %s", person_id, problem)
    with state().db.session() as write:
        write.merge(
            PersonPhoto(
                person_id=person_id,
                url=row.photo_url,
                content_type=found.content_type if found else None,
                body=found.body if found else None,
                problem=problem,
                fetched_at=now,
            )
        )
    return found
