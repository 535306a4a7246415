-- not_null: mart_daily_activity.region
select *
from `terraloop_marts.mart_daily_activity`
where region is null
