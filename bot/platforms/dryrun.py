"""The dry-run publisher: records what would be sent; nothing leaves the machine."""

from __future__ import annotations

from bot.platforms.base import AccountStatus, OutgoingPost, PublishResult


class DryRunPublisher:
    live = False
    unprotected_seconds = 0.0
    """Nothing leaves the machine: nothing can be posted twice."""

    def __init__(self, platform: str, account: str = "default") -> None:
        self.platform = platform
        self.account = account

    def publish(self, post: OutgoingPost) -> PublishResult:
        return PublishResult(remote_id=f"dry-run:{post.key[:16]}")

    def check(self) -> AccountStatus:
        return AccountStatus(self.platform, self.account, ok=True, detail="dry run: nothing sent")

    def reconcile(self, post: OutgoingPost) -> PublishResult | None:
        """A dry run never sends, so an interrupted dry run left nothing behind."""
        return None
