"""Read the GitHub bridge's configuration from the environment; secrets never print."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sredesk.core.errors import InvalidInput
from sredesk.core.github import parse_repo


def _repos(text: str, name: str) -> tuple[str, ...]:
    try:
        return tuple(parse_repo(part) for part in text.split(",") if part.strip())
    except InvalidInput as error:
        raise InvalidInput(f"{name}: {error}") from None


@dataclass(frozen=True)
class GitHubSettings:
    webhook_secret: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    api_url: str = "https://api.github.com"
    sre_repos: tuple[str, ...] = ()
    product_repos: tuple[str, ...] = ()
    lhf_label: str = "low-hanging fruit"
    sre_label: str = "sre"
    serious_label: str = "serious"
    waiting_label: str = "waiting-on-customer"
    reviewed_label: str = "reviewed"
    # Where people reach the desk's pages; promoted issues link back to the inquiry there.
    public_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GitHubSettings:
        api_url = env.get("SREDESK_GITHUB_API_URL", "").strip() or "https://api.github.com"
        if not api_url.startswith(("https://", "http://")):
            raise InvalidInput("SREDESK_GITHUB_API_URL must be an http(s) URL")
        public_url = env.get("SREDESK_PUBLIC_URL", "").strip().rstrip("/")
        if public_url and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", public_url):
            raise InvalidInput(
                "SREDESK_PUBLIC_URL must be the desk's http(s) address, "
                "e.g. https://desk.example.org"
            )
        return cls(
            webhook_secret=env.get("SREDESK_GITHUB_WEBHOOK_SECRET", ""),
            token=env.get("SREDESK_GITHUB_TOKEN", ""),
            api_url=api_url,
            sre_repos=_repos(env.get("SREDESK_GITHUB_SRE_REPOS", ""), "SREDESK_GITHUB_SRE_REPOS"),
            product_repos=_repos(
                env.get("SREDESK_GITHUB_PRODUCT_REPOS", ""), "SREDESK_GITHUB_PRODUCT_REPOS"
            ),
            lhf_label=env.get("SREDESK_GITHUB_LHF_LABEL", "").strip() or "low-hanging fruit",
            public_url=public_url,
        )

    def inquiry_url(self, number: int) -> str | None:
        """The inquiry's address on the desk; None when the desk has no public URL."""
        return f"{self.public_url}/inquiries/{number}" if self.public_url else None

    @property
    def desk_labels(self) -> frozenset[str]:
        """The labels the desk keeps in step itself; others belong to the people on GitHub."""
        return frozenset({self.sre_label, self.serious_label, self.waiting_label})
