"""disclosure-watch: the pipeline that watches 部门/单位决算公开 filings."""
