"""SQL tables of the legislator directory.

``people``            one row per legislator, from any source; never deleted
                      (people who leave office become inactive, so old post-log
                      rows still resolve)
``person_handles``    a legislator's identity on a platform, per source, with
                      provenance (source, official or campaign account, when seen)
``committees``        committees and subcommittees (``parent_id``)
``committee_aliases`` normalised names a committee is known by, for selectors
``committee_members`` who sits on which committee, with role and rank
``leadership_roles``  current leadership posts (Speaker, whips, ...)
``person_offices``    a legislator's capitol and district offices (phone, address)
``person_photos``     portraits fetched once from the source's official image URL, so
                      supporter pages serve them from the bot's own origin
``handle_overrides``  organizer-supplied handles; importers never touch them
``do_not_tag``        people, or handles, that asked not to be tagged
``directory_imports`` one row per import or sync, for ``directory status``

The table of legislators' platform identities is ``person_handles``, not
``accounts``: in this project an *account* is the organisation's own identity
on a platform (see DESIGN.md, "Words").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base
from bot.store.types import UTCDateTime


class PersonRow(Base):
    """A legislator as the directory knows them."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """bioguide (``S000148``), ``ocd-person/...``, or an organizer's slug."""
    source: Mapped[str] = mapped_column(String(40))
    """``congress-legislators``, ``openstates`` or ``organizer``."""
    jurisdiction: Mapped[str] = mapped_column(String(8))
    """``us`` or a state's lowercase code."""
    name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(100), default=None)
    family_name: Mapped[str | None] = mapped_column(String(100), default=None)
    title: Mapped[str | None] = mapped_column(String(40), default=None)
    party: Mapped[str | None] = mapped_column(String(100), default=None)
    """The whole label (``Democratic/Working Families``); see ``normalize.party_family``."""
    state: Mapped[str | None] = mapped_column(String(2), default=None)
    chamber: Mapped[str | None] = mapped_column(String(20), default=None)
    """``senate``, ``house`` or ``legislature`` (see :mod:`bot.directory.normalize`)."""
    district: Mapped[str | None] = mapped_column(String(100), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    term_start: Mapped[date | None] = mapped_column(Date, default=None)
    term_end: Mapped[date | None] = mapped_column(Date, default=None)
    phone: Mapped[str | None] = mapped_column(String(60), default=None)
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    contact_form: Mapped[str | None] = mapped_column(Text, default=None)
    office_address: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    photo_url: Mapped[str | None] = mapped_column(Text, default=None)
    """The source's portrait URL (Open States ``image``; Congress: unitedstates/images).
    Never sent to a browser: pages show ``/photo/<id>`` (:mod:`bot.web.photos`)."""
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Names and other names, :func:`~bot.directory.normalize.plain`, for search."""
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When an import first found them gone from their source's current data."""

    __table_args__ = (
        Index("ix_people_jurisdiction_chamber", "jurisdiction", "chamber", "active"),
        Index("ix_people_state_chamber_district", "state", "chamber", "district"),
        Index("ix_people_source_jurisdiction", "source", "jurisdiction"),
        Index("ix_people_party", "party"),
    )


class PersonHandle(Base):
    """One legislator's identity on one platform, as one source gives it."""

    __tablename__ = "person_handles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    """``x``, ``facebook``, ``bluesky``, ``mastodon``, ``instagram``, ``youtube``."""
    handle: Mapped[str] = mapped_column(String(200))
    platform_id: Mapped[str | None] = mapped_column(String(40), default=None)
    """The platform's numeric id where the source gives one (X's ``twitter_id``)."""
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    """``official`` or ``campaign``; None when the source does not say."""
    source: Mapped[str] = mapped_column(String(40))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """The last import that listed this handle."""

    __table_args__ = (
        UniqueConstraint("person_id", "platform", "source", name="uq_person_handles_source"),
        Index("ix_person_handles_platform_handle", "platform", "handle"),
    )


class CommitteeRow(Base):
    """A committee or (with ``parent_id``) a subcommittee."""

    __tablename__ = "committees"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """congress-legislators ``thomas_id`` (``SSJU``; subcommittees ``SSJU01``) or
    ``ocd-organization/...``."""
    jurisdiction: Mapped[str] = mapped_column(String(8))
    chamber: Mapped[str] = mapped_column(String(20))
    """``senate``, ``house`` or ``joint``."""
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("committees.id", ondelete="SET NULL"), default=None
    )
    source: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_committees_jurisdiction", "jurisdiction", "chamber"),
        Index("ix_committees_parent", "parent_id"),
    )


class CommitteeAlias(Base):
    """A normalised name (:func:`~bot.directory.normalize.committee_key`) of a committee.

    ``is_primary`` marks the committee's own name, which selectors try before the
    other names a source lists (``other_names``) or derived ones (chamber + name).
    """

    __tablename__ = "committee_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(300))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("committee_id", "alias", name="uq_committee_aliases"),
        Index("ix_committee_aliases_alias", "alias"),
    )


class CommitteeMember(Base):
    """A seat on a committee."""

    __tablename__ = "committee_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[str] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))
    """Canonical: ``chair``, ``co-chair``, ``vice chair``, ``ranking member``,
    ``ex officio`` or ``member``."""
    title: Mapped[str | None] = mapped_column(String(60), default=None)
    """The role as the source wrote it (``Chairman``)."""
    rank: Mapped[int | None] = mapped_column(Integer, default=None)
    side: Mapped[str | None] = mapped_column(String(10), default=None)
    """``majority`` or ``minority`` where the source says."""

    __table_args__ = (
        UniqueConstraint("committee_id", "person_id", name="uq_committee_members"),
        Index("ix_committee_members_person", "person_id"),
        Index("ix_committee_members_role", "committee_id", "role"),
    )


class LeadershipRole(Base):
    """A current leadership post: ``Senate Majority Leader``, ``Speaker of the House``..."""

    __tablename__ = "leadership_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    chamber: Mapped[str | None] = mapped_column(String(20), default=None)
    start: Mapped[date | None] = mapped_column(Date, default=None)
    end: Mapped[date | None] = mapped_column(Date, default=None)
    source: Mapped[str] = mapped_column(String(300))

    __table_args__ = (Index("ix_leadership_roles_person", "person_id"),)


class PersonOffice(Base):
    """One office of a legislator: the capitol office, or a district office.

    ``source`` is the import's source (``openstates``, ``congress-legislators``),
    replaced by each import of that source, or ``file:<path>`` for an organizer's
    overrides file, replaced each time that file is loaded.
    """

    __tablename__ = "person_offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    """``capitol`` or ``district``."""
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    """What the source calls it (``Kansas City office``); None for the plain kinds."""
    phone: Mapped[str | None] = mapped_column(String(60), default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """The order the source lists them in."""
    source: Mapped[str] = mapped_column(String(300))

    __table_args__ = (Index("ix_person_offices_person", "person_id"),)


class PersonPhoto(Base):
    """A portrait fetched from ``people.photo_url``, or a recorded failure to fetch it."""

    __tablename__ = "person_photos"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(Text)
    """The URL it was fetched from; a new ``photo_url`` fetches again."""
    content_type: Mapped[str | None] = mapped_column(String(40), default=None)
    """``image/jpeg``, ``image/png`` or ``image/webp``, from the bytes; None: failed."""
    body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    problem: Mapped[str | None] = mapped_column(String(200), default=None)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HandleOverride(Base):
    """An organizer's handle for a person on a platform; wins over imported handles.

    ``handle`` None records that the person has no account there (it hides a
    wrong imported handle). ``person_id`` is not a foreign key: an override may
    name someone the directory has not imported yet.
    """

    __tablename__ = "handle_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str | None] = mapped_column(String(200), default=None)
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    source: Mapped[str] = mapped_column(String(300))
    """``set-handle`` or ``file:<path>`` (an overrides file loaded into the directory)."""
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("person_id", "platform", "source", name="uq_handle_overrides"),
        Index("ix_handle_overrides_person", "person_id"),
    )


class DoNotTag(Base):
    """Someone who asked not to be tagged: a person (on one or every platform) or a handle."""

    __tablename__ = "do_not_tag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str | None] = mapped_column(String(100), default=None)
    platform: Mapped[str | None] = mapped_column(String(16), default=None)
    """None: every platform."""
    handle: Mapped[str | None] = mapped_column(String(200), default=None)
    """An office's handle (with ``platform``), whoever it is attached to."""
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_do_not_tag_person", "person_id"),
        Index("ix_do_not_tag_handle", "platform", "handle"),
    )


class DirectoryImport(Base):
    """One import or sync of one source and scope."""

    __tablename__ = "directory_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(8))
    """``us`` or a state's lowercase code."""
    origin: Mapped[str] = mapped_column(Text)
    """The folder, files or URL read."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deactivated: Mapped[int] = mapped_column(Integer, default=0)
    handles: Mapped[int] = mapped_column(Integer, default=0)
    committees: Mapped[int] = mapped_column(Integer, default=0)
    memberships: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (Index("ix_directory_imports_source", "source", "scope", "finished_at"),)
