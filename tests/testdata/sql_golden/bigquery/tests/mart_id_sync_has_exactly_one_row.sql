select count(*) as n_rows from `terraloop_marts.mart_id_sync` having count(*) <> 1
