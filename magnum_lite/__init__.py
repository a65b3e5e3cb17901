"""A Magnum v1-compatible API and conductor that build Docker swarm-mode bays."""
