"""Call lights: raised from a bed (by the nurse-call system, or by the desk for a patient who
phoned), answered over the intercom, cleared at the bedside; escalated while unanswered."""
