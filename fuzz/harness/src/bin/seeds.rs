//! `seeds DIR`: write every target's seeds to `DIR/<target>/seed-<n>` (what `make fuzz`
//! starts libFuzzer from; the corpus it grows there is kept between runs).

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: seeds DIR"));
    for target in fotobase_fuzzing::TARGETS {
        let out = dir.join(target);
        std::fs::create_dir_all(&out).expect("create the corpus directory");
        let seeds = fotobase_fuzzing::seeds(target);
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(out.join(format!("seed-{i}")), seed).expect("write a seed");
        }
        println!("{target}: {} seeds", seeds.len());
    }
}
