"""Partitions shared by the domains.

Event days are dynamic partitions: ingest adds one per day the source holds, so RetailRocket
(2015), REES46 (2019), Online Retail (2010-2011) and the simulator all get exactly their own
days, with no start date guessed at import time.
"""

import dagster as dg

EVENT_DAYS = dg.DynamicPartitionsDefinition(name="event_days")
