-- unique_combination: mart_pipeline_health(stage, outcome, reason)
select
    stage, outcome, reason,
    count(*) as n_records
from `terraloop_marts.mart_pipeline_health`
group by stage, outcome, reason
having count(*) > 1
