-- accepted_values: fct_events.tier
select
    tier as value_field,
    count(*) as n_records
from `terraloop_marts.fct_events`
where tier is not null
    and tier not in ('Basic', 'Pro', 'Enterprise')
group by tier
