"""Data sets: offline loaders and generators for the ``ci`` profile, real loaders for ``full``.

Each submodule contains one kind of data, and every public name is also available as
``ibnotes.data.<name>``. The submodules name the chapters that use them.
"""

from ibnotes.data.loaders import (
    CACHE_ENV,
    MNIST_FILES,
    MNIST_MIRRORS,
    DatasetUnavailable,
    Split,
    cache_dir,
    load_digits,
    load_mnist,
    fetch,
    TensorBatches,
    check_count,
    move_to_device,
)
from ibnotes.data.ndigit import (
    NDigitImages,
    compose_digits,
)
from ibnotes.data.graphs import (
    GraphView,
    MultiViewGraph,
    contextual_sbm,
    TemporalGraph,
    temporal_motif_graph,
)
from ibnotes.data.explanations import (
    ExplanationSet,
    narma,
    make_lowvar,
    make_seqcomb,
    make_freqshapes,
)
from ibnotes.data.markov import (
    PRINZ_BARRIERS,
    prinz_potential,
    prinz_force,
    prinz_states,
    prinz_equilibrium,
    MarkovTrajectories,
    langevin,
    slow_fast_prinz,
    time_lagged_pairs,
)
from ibnotes.data.supershapes import (
    Supershapes,
    superformula,
    make_supershapes,
)
from ibnotes.data.vision import (
    GRID_COLOURS,
    GRID_SHAPES,
    GRID_ROWS,
    GRID_COLUMNS,
    GRID_VOCABULARY,
    GridScenes,
    grid_caption,
    parse_grid_caption,
    make_grid_scenes,
    SHAPE_NAMES,
    ShapeDetection,
    make_shape_detection,
    RingViews,
    ring_views,
)
from ibnotes.data.forecasting import (
    MISSING_PATTERNS,
    multivariate_series,
    missing_mask,
    load_macrodata,
)
from ibnotes.data.molecules import (
    ATOM_ELEMENTS,
    ATOM_DEGREES,
    ATOM_HYDROGENS,
    ATOM_HYBRIDIZATIONS,
    ATOM_FEATURES,
    FREESOLV_INSTALL,
    MoleculeGraphs,
    load_freesolv,
    atom_features,
    smiles_to_graphs,
)
from ibnotes.data.language import (
    PARAPHRASE_INTENTS,
    PARAPHRASE_ENTITIES,
    PARAPHRASE_TEMPLATES,
    PARAPHRASE_SPECIALS,
    QuestionGrammar,
    question_grammar,
    paraphrase_triples,
    SENTIMENT_LABELS,
    ASPECT_WORDS,
    OPINION_WORDS,
    INTENSIFIERS,
    ASPECT_TEMPLATES,
    SPURIOUS_PHRASE,
    PAD,
    UNKNOWN,
    aspect_vocabulary,
    AspectSentences,
    make_aspect_sentiment,
)
from ibnotes.data.multimodal import (
    QUESTION_TEMPLATES,
    ANSWERS,
    QUESTION_CHARACTERS,
    answer_questions,
    encode_questions,
    add_typos,
    shift_images,
)
from ibnotes.data.reflections import (
    REFLECTION_TRAIN_PHOTOS,
    REFLECTION_TEST_PHOTOS,
    BLUR_KERNEL_SIZES,
    BLUR_KERNEL_PROBABILITIES,
    ReflectionPairs,
    load_photos,
    random_crops,
    gaussian_blur,
    mix_reflection,
    make_reflection_pairs,
)
from ibnotes.data.concepts import (
    OFFLINE_DATA_ENV,
    HUMAN_CONCEPTS_FILE,
    HUMAN_CONCEPTS_COLUMNS,
    HUMAN_CONCEPTS_REVISION,
    HUMAN_CONCEPTS_URL,
    HUMAN_CONCEPTS_ROWS,
    RANK_STUDIES,
    HumanConcepts,
    load_human_concepts,
)
from ibnotes.data.video import (
    SPRITE_SIZE,
    SPRITE_SHAPES,
    NORMAL_SHAPES,
    SPRITE_COLOURS,
    NORMAL_COLOURS,
    ANOMALY_KINDS,
    SpriteVideos,
    describe_clip,
    make_sprite_videos,
)
from ibnotes.data.word_problems import (
    WORD_PROBLEM_OPERATIONS,
    WORD_PROBLEM_VERBS,
    WORD_PROBLEM_NAMES,
    WORD_PROBLEM_SPECIALS,
    WORD_PROBLEM_VOCABULARY,
    GSM8K_ID,
    WordProblems,
    make_word_problems,
    GSM8KProblem,
    gsm8k_plan,
    load_gsm8k,
)
from ibnotes.data.agreement import (
    AGREEMENT_SINGULAR,
    AGREEMENT_PLURAL,
    AGREEMENT_FILLERS,
    AGREEMENT_TIMES,
    AGREEMENT_VERBS,
    AGREEMENT_SPECIALS,
    MIN_AGREEMENT_LENGTH,
    AgreementSentences,
    agreement_vocabulary,
    make_agreement,
)
from ibnotes.data.jailbreak import (
    JAILBREAK_SPECIALS,
    BENIGN_SUBJECTS,
    HARMFUL_VERBS,
    HARMFUL_OBJECTS,
    FILLER_WORDS,
    TRIGGER_TOKENS,
    ANSWER_TOKENS,
    JAILBREAK_THRESHOLD,
    PROMPT_KINDS,
    JailbreakPrompts,
    jailbreak_vocabulary,
    make_jailbreak_prompts,
    reference_answers,
    perturb_prompts,
)
from ibnotes.data.rule_exceptions import (
    RuleLanguage,
    RuleItems,
    RuleExceptionData,
    rule_answers,
    rule_items,
    exceptions,
    near_duplicates,
    make_rule_exceptions,
)
