/**
 * The benchmark corpus: twenty English sentences of mixed lengths (3 to ~60 words),
 * plain prose with numbers, names and punctuation as real requests have them. Fixed in
 * the repository so every run, and every machine, synthesizes the same thing. The
 * sentences are jobs of their own ("many small jobs") and, joined, one paragraph job
 * ("one long job").
 */
export const CORPUS: readonly string[] = [
  "Good morning.",
  "Please hold the door for a moment.",
  "The delivery van turned left at the old stone bridge.",
  "Our train leaves from platform four at twenty past nine, so we should not be late.",
  "She opened the letter, read it twice, and put it back in the drawer without a word.",
  "Is this the right way to the museum?",
  "Every morning the harbour wakes before the town does, and the first boats slide out past the breakwater while the streets are still dark.",
  "Thank you.",
  "The committee will meet again on Thursday to review the budget, the new safety rules and the plan for the summer festival.",
  "He had lived in the same house for forty years and knew the sound of every floorboard.",
  "When the storm finally passed, the whole village came out to clear the road, carrying shovels, buckets and flasks of hot tea for the volunteers.",
  "Turn the oven down to one hundred and eighty degrees and bake the bread for another twenty minutes.",
  "Nobody expected the quiet student in the back row to win the national science prize.",
  "Wait here.",
  "The library on the corner stays open late on Wednesdays, and the reading room upstairs is usually empty after seven, which makes it the best place in town to work in peace.",
  "Our flight was delayed by three hours because of fog.",
  "The river rises quickly in spring when the snow melts in the mountains, so the farmers move their cattle to the higher fields in the first week of April.",
  "Could you send me the report by Friday afternoon?",
  "After dinner they walked along the beach, talking about old friends, new plans and the places they still wanted to see before they grew too old to travel.",
  "The lights went out, the music stopped, and for a few seconds the whole room held its breath.",
];

/** The corpus as one text: the "one long job" of the end-to-end measure. */
export const CORPUS_PARAGRAPH: string = CORPUS.join(" ");

/** The sentence of the one-sentence job measures (overhead, queue round trip, wait). */
export const ONE_SENTENCE: string = CORPUS[2]!;
