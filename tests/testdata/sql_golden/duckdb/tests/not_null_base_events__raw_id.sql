-- not_null: base_events._raw_id
select *
from staging.base_events
where _raw_id is null
