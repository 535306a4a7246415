-- not_null: mart_daily_activity.tier
select *
from marts.mart_daily_activity
where tier is null
