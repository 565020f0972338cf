//! The story as the planners and the check read it: sentences, paragraphs, quotes and names,
//! each with its span in Unicode scalar values.
