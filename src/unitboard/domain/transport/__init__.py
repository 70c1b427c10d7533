"""Patient transport: jobs from an origin to a destination, offered to transporters (auto
dispatch) or picked from the queue (self dispatch), flagged late past their target."""
