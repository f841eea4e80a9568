"""The hand-off files: one module per file that one stage writes and another reads.

Each module holds the file's name(s), a frozen typed dataclass of its content, `save` and `load` (atomic,
checked, versioned: a file of another format version is refused with both versions named) and one exception
type. Stages read and write these files only through this package, so each format has one definition.

| module              | file                                    | written by | read by                       |
|---------------------|-----------------------------------------|------------|-------------------------------|
| sample_manifest     | `samples.json` beside generated files   | generation | skim, bumphunt (data kind)    |
| skim_table          | `<output>/<channel>/skim.h5`            | skim       | learning                      |
| trained_model       | `<model>/manifest.json` + fold models   | learning   | learning, inference, bumphunt |
| exported_model      | the model as JSON for the C++ inference | inference  | inference                     |
| category_histograms | `<bumphunt>/bumphunt.root`              | bumphunt   | fit, ROOT macros              |
| fit_result          | `<fit>/fit.json`                        | fit        | bumphunt report, demo         |
"""
