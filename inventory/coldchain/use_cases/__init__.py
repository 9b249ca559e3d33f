"""Cold-chain use cases, one module each; every public function takes a `StockContext` first, and every write
runs once per Idempotency-Key with its audit event (`StockContext.once`); a refusal writes nothing.

- `equipment`: register a location as equipment; append a status (working, needs repair, broken...).
- `readings`: the twice-daily manual reading (out of range: an excursion opens at once).
- `imports`: a Fridge-tag 2 report or a logger CSV for a location.
- `decisions`: release or write off each lot an excursion exposed; the excursion closes.
- `alarm_rules`: a location's own excursion rules (list, set, delete).
- `views`: a location's month sheet and chart series.

What several of them do the same way lives a layer below: `inventory.coldchain.places` (a location with the
user's rights, equipment status and device checks), `inventory.coldchain.opening` (an excursion opened and
the exposed lots held) and `inventory.coldchain.reads` (equipment and excursions as the API and pages show
them).
"""
