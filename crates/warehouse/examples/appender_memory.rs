//! Temporary: memory of the partition appender on interleaved input.
use arrow::array::{Int32Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::sync::Arc;

fn hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let src = std::path::Path::new(&args[1]);
    let out = std::path::Path::new(&args[2]);
    let budget: usize = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(256 << 20);
    let parts = rareflow_warehouse::merge::list_partitions(src).unwrap();
    let mut readers = Vec::new();
    for p in &parts {
        let dir = rareflow_warehouse::merge::partition_dir(src, *p);
        let f = File::open(dir.join("part-00000.parquet")).unwrap();
        let r = ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .with_batch_size(730)
            .build()
            .unwrap();
        readers.push((*p, r));
    }
    let mut schema: Option<Arc<Schema>> = None;
    let mut appender = None;
    let mut total = 0;
    loop {
        let mut any = false;
        let mut pieces = Vec::new();
        for (p, r) in readers.iter_mut() {
            if let Some(b) = r.next() {
                let b = b.unwrap();
                let n = b.num_rows();
                let mut cols = b.columns().to_vec();
                cols.push(Arc::new(Int32Array::from(vec![p.0; n])));
                cols.push(Arc::new(Int32Array::from(vec![p.1; n])));
                let s = schema
                    .get_or_insert_with(|| {
                        let mut f: Vec<Field> = b
                            .schema()
                            .fields()
                            .iter()
                            .map(|f| f.as_ref().clone())
                            .collect();
                        f.push(Field::new("year", DataType::Int32, false));
                        f.push(Field::new("month", DataType::Int32, false));
                        Arc::new(Schema::new(f))
                    })
                    .clone();
                pieces.push(RecordBatch::try_new(s, cols).unwrap());
                any = true;
            }
        }
        if !any {
            break;
        }
        let s = schema.clone().unwrap();
        let batch = arrow::compute::concat_batches(&s, &pieces).unwrap();
        total += batch.num_rows();
        let app = appender.get_or_insert_with(|| {
            let layout = rareflow_warehouse::PartitionLayout::new(&s).unwrap();
            rareflow_warehouse::PartitionAppender::new(out, layout)
                .unwrap()
                .with_limits(128 * 1024, budget)
        });
        let layout = app.layout().clone();
        for part in layout.split(&batch).unwrap() {
            app.append(part).unwrap();
        }
    }
    eprintln!(
        "before finish: {} rows; {} ; {:?}",
        total,
        hwm(),
        appender.as_ref().map(|a| format!("{a:?}"))
    );
    appender.unwrap().finish().unwrap();
    eprintln!("after: {}", hwm());
}
