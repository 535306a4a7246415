select * from `terraloop_marts.fct_events` where is_orphan = (tier is not null)
