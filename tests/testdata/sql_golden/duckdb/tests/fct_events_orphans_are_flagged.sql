select * from marts.fct_events where is_orphan = (tier is not null)
