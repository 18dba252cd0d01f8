"""One message, in each platform's own documented format.

* Slack incoming webhooks: `text` (the notification's fallback) and Block Kit `blocks`
  (header, section with mrkdwn, fields, a link button). https://api.slack.com/messaging/webhooks
* Microsoft Teams workflow webhooks ("Post to a channel when a webhook request is received"):
  a `message` whose `attachments` hold an Adaptive Card (contentType
  application/vnd.microsoft.card.adaptive, card version 1.4).
* Mattermost and Rocket.Chat incoming webhooks: `{"text": ...}` in Markdown.
* Generic JSON: the event envelope, exactly what a signed webhook receives.
"""

import json
from dataclasses import dataclass, field

from .models import ChannelKind

APP_LINK_LABEL = "Open in Check-ins"


@dataclass(frozen=True)
class Message:
    title: str
    text: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    link: str = ""
    bullets: list[str] = field(default_factory=list)


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats these three as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: Message) -> dict:
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}}]
    text = "\n".join(part for part in [message.text, *(f"• {b}" for b in message.bullets)] if part)
    if text:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(text)[:3000]}})
    if message.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_slack_escape(label)}*\n{_slack_escape(value)}"}
                    for label, value in message.facts[:10]
                ],
            }
        )
    if message.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": APP_LINK_LABEL}, "url": message.link}
                ],
            }
        )
    return {"text": message.title, "blocks": blocks}


def teams(message: Message) -> dict:
    body: list[dict] = [
        {"type": "TextBlock", "text": message.title, "size": "Medium", "weight": "Bolder", "wrap": True}
    ]
    if message.text:
        body.append({"type": "TextBlock", "text": message.text, "wrap": True})
    for bullet in message.bullets:
        body.append({"type": "TextBlock", "text": f"- {bullet}", "wrap": True, "spacing": "None"})
    if message.facts:
        body.append({"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in message.facts]})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": APP_LINK_LABEL, "url": message.link}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def mattermost(message: Message) -> dict:
    lines = [f"#### {message.title}"]
    if message.text:
        lines += ["", message.text]
    if message.bullets:
        lines += ["", *(f"- {b}" for b in message.bullets)]
    if message.facts:
        lines += ["", *(f"- **{label}:** {value}" for label, value in message.facts)]
    if message.link:
        lines += ["", f"[{APP_LINK_LABEL}]({message.link})"]
    return {"text": "\n".join(lines)}


def channel_body(*, kind: str, message: Message, envelope: dict) -> str:
    """The JSON text posted to a channel of this kind."""
    if kind == ChannelKind.SLACK:
        payload = slack(message)
    elif kind == ChannelKind.TEAMS:
        payload = teams(message)
    elif kind == ChannelKind.MATTERMOST:
        payload = mattermost(message)
    else:
        payload = envelope
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
