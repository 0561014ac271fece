enum JudgePlaceholder {}
