"""Who else has a ticket's page open, and who is typing a reply there.

Nothing is stored: each page says it is there over its ticket's websocket when it opens and
every third of ``VIGIL_PRESENCE_SECONDS`` after, and says when its analyst types. Each socket
keeps a ``Roster`` of the other sockets it heard from, forgets one that stopped saying so (a
closed tab, a sleeping laptop, a server that went away) after ``VIGIL_PRESENCE_SECONDS``, and
a typing one that stopped typing after ``TYPING_SECONDS``. A socket that closes says so at once.
"""

from dataclasses import dataclass

# A "typing" that is not said again within this long has stopped (pages repeat it every few
# seconds while keys are pressed).
TYPING_SECONDS = 8.0


@dataclass
class Peer:
    user_id: int
    name: str
    typing: bool
    seen_at: float
    typed_at: float


@dataclass(frozen=True)
class Person:
    name: str
    typing: bool

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "typing": self.typing}


class Roster:
    """The other sockets of one ticket a socket heard from, by channel name."""

    def __init__(self, *, me: int, ttl: float) -> None:
        self.me = me
        self.ttl = ttl
        self.peers: dict[str, Peer] = {}

    def saw(self, channel: str, *, user_id: int, name: str, typing: bool, now: float) -> bool:
        """Record a peer's word; True when the peer was not known before."""
        known = self.peers.get(channel)
        typed_at = now if typing else 0.0
        self.peers[channel] = Peer(user_id, name, typing, now, typed_at)
        return known is None

    def left(self, channel: str) -> None:
        self.peers.pop(channel, None)

    def prune(self, now: float) -> None:
        """Forget peers silent for ``ttl``; a typing that was not repeated has stopped."""
        for channel, peer in list(self.peers.items()):
            if now - peer.seen_at > self.ttl:
                del self.peers[channel]
            elif peer.typing and now - peer.typed_at > TYPING_SECONDS:
                peer.typing = False

    def people(self) -> list[Person]:
        """Everyone else here, once each however many pages they have open, by name; typing
        when they type in any of them. The socket's own user is not listed."""
        by_user: dict[int, Person] = {}
        for peer in self.peers.values():
            if peer.user_id == self.me:
                continue
            known = by_user.get(peer.user_id)
            typing = peer.typing or (known is not None and known.typing)
            by_user[peer.user_id] = Person(peer.name, typing)
        return sorted(by_user.values(), key=lambda person: person.name.lower())
