// Tests of the reading engine; see the foundation issue.
