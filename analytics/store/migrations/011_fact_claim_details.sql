-- What the claiming row said of the event beyond its identity (事项编号, 依据, 登记人, 一票否决; 活动名称, 角色, 时长;
-- 擂台主题): a JSON object of the kind's stored columns that are not part of the identity. When the owning batch is
-- undone and the fact is handed to the earliest claim still active, the fact takes these values too, so it reads as
-- the remaining file wrote it. Claims written before this column existed hold null and hand over the lineage only.
alter table fact_claim add column details varchar;
