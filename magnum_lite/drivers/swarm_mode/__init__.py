"""The swarm-mode COE driver (server_type container)."""
