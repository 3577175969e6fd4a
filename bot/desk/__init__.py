"""The consultant desk, beside Rasa: tickets, opening hours, and (next) the relay between
residents and the consultants' groups. No platform code here: the channels post and
deliver; the desk decides.

- `hours`: a center's opening hours and Japan's public holidays.
- `schema`: the tables and their Alembic migrations (`migrations/`).
- `tickets`: `TicketStore`, the only code that reads or writes tickets.
"""
