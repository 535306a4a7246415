-- not_null: mart_daily_activity.region
select *
from marts.mart_daily_activity
where region is null
