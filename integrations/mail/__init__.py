"""Email in: team mailboxes, raw MIME read into a clean message, and the IMAP poller."""
