-- not_null: mart_pipeline_health.outcome
select *
from `terraloop_marts.mart_pipeline_health`
where outcome is null
