"""The seat path (Claude Code seats per team): decisions, fast simulation, brute force. See `seat_path`."""
