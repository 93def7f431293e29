package configs

// Hparams is the whole set of hyper-parameters of one run. Its sections and
// keys follow the reference implementation's configuration files one to one,
// so that a reference config translates key by key.
type Hparams struct {
	Run       Run       `yaml:"run"`
	Data      Data      `yaml:"data"`
	Model     Model     `yaml:"model"`
	Loss      Loss      `yaml:"loss"`
	Metrics   Metrics   `yaml:"metrics"`
	Optimizer Optimizer `yaml:"optimizer"`
	Init      Init      `yaml:"init"`
	Train     Train     `yaml:"train"`
	Val       Val       `yaml:"val"`
	Synthesis Synthesis `yaml:"synthesis"`
}

// Run names the run and fixes its randomness.
type Run struct {
	Name                  string `yaml:"name"`
	Seed                  int64  `yaml:"seed"`
	NumGPUs               int    `yaml:"num_gpus"`
	NumCPUs               int    `yaml:"num_cpus"`
	MaxAllowedCheckpoints int    `yaml:"max_allowed_checkpoints"`
}

// Data describes the dataset and its image format.
type Data struct {
	// DatasetSource is one of binarized_mnist, mnist, fashion_mnist,
	// cifar-10, imagenet, celebA, celebAHQ, ffhq, custom.
	DatasetSource        string  `yaml:"dataset_source"`
	TrainDataPath        string  `yaml:"train_data_path"`
	ValDataPath          string  `yaml:"val_data_path"`
	SynthesisDataPath    string  `yaml:"synthesis_data_path"`
	TargetRes            int     `yaml:"target_res"`
	Channels             int     `yaml:"channels"`
	NumBits              float64 `yaml:"num_bits"`
	RandomHorizontalFlip bool    `yaml:"random_horizontal_flip"`
}

// Model is the architecture. Every per-level list has one entry per
// bottom-up (up_*) or top-down (down_*) level.
type Model struct {
	StableInit                   bool      `yaml:"stable_init"`
	InitializePriorWeightsAsZero bool      `yaml:"initialize_prior_weights_as_zero"`
	Use1x1Conv                   bool      `yaml:"use_1x1_conv"`
	DistributionBase             string    `yaml:"distribution_base"`
	OutputDistributionBase       string    `yaml:"output_distribution_base"`
	GradientSmoothingBeta        float64   `yaml:"gradient_smoothing_beta"`
	OutputGradientSmoothingBeta  float64   `yaml:"output_gradient_smoothing_beta"`
	InputConvFilters             int       `yaml:"input_conv_filters"`
	InputKernelSize              [2]int    `yaml:"input_kernel_size"`
	UpStrides                    []int     `yaml:"up_strides"`
	UpNBlocksPerRes              []int     `yaml:"up_n_blocks_per_res"`
	UpNBlocks                    []int     `yaml:"up_n_blocks"`
	UpNLayers                    []int     `yaml:"up_n_layers"`
	UpFilters                    []int     `yaml:"up_filters"`
	UpMidFiltersRatio            []float64 `yaml:"up_mid_filters_ratio"`
	UpKernelSize                 []int     `yaml:"up_kernel_size"`
	UpSkipFilters                []int     `yaml:"up_skip_filters"`
	UseResidualDistribution      bool      `yaml:"use_residual_distribution"`
	DownStrides                  []int     `yaml:"down_strides"`
	DownNBlocksPerRes            []int     `yaml:"down_n_blocks_per_res"`
	DownNBlocks                  []int     `yaml:"down_n_blocks"`
	DownNLayers                  []int     `yaml:"down_n_layers"`
	DownFilters                  []int     `yaml:"down_filters"`
	DownMidFiltersRatio          []float64 `yaml:"down_mid_filters_ratio"`
	DownKernelSize               []int     `yaml:"down_kernel_size"`
	DownLatentVariates           []int     `yaml:"down_latent_variates"`
	OutputKernelSize             [2]int    `yaml:"output_kernel_size"`
	NumOutputMixtures            int       `yaml:"num_output_mixtures"`
}

// Loss holds the loss terms and their schedules.
type Loss struct {
	MinMolLogscale         float64 `yaml:"min_mol_logscale"`
	VariationSchedule      string  `yaml:"variation_schedule"` // None, Logistic, Linear
	VaeBetaAnnealStart     float64 `yaml:"vae_beta_anneal_start"`
	VaeBetaAnnealSteps     float64 `yaml:"vae_beta_anneal_steps"`
	VaeBetaMin             float64 `yaml:"vae_beta_min"`
	VaeBetaActivationSteps float64 `yaml:"vae_beta_activation_steps"`
	VaeBetaGrowthRate      float64 `yaml:"vae_beta_growth_rate"`
	UseGammaSchedule       bool    `yaml:"use_gamma_schedule"`
	GammaMaxSteps          int     `yaml:"gamma_max_steps"`
	ScaledGamma            bool    `yaml:"scaled_gamma"`
	UseWeightDecay         bool    `yaml:"use_weight_decay"`
	L2Weight               float64 `yaml:"l2_weight"`
}

// Metrics holds logging-only thresholds.
type Metrics struct {
	LatentActiveThreshold float64 `yaml:"latent_active_threshold"`
}

// Optimizer holds the optimizer, learning-rate schedule and gradient policy.
type Optimizer struct {
	Type                  string  `yaml:"type"`                 // Adamax, Adam, Radam
	LearningRateScheme    string  `yaml:"learning_rate_scheme"` // cosine, constant, exponential, noam
	LearningRate          float64 `yaml:"learning_rate"`
	WarmupSteps           float64 `yaml:"warmup_steps"`
	DecaySteps            float64 `yaml:"decay_steps"`
	DecayStart            float64 `yaml:"decay_start"`
	MinLearningRate       float64 `yaml:"min_learning_rate"`
	DecayRate             float64 `yaml:"decay_rate"`
	Beta1                 float64 `yaml:"beta1"`
	Beta2                 float64 `yaml:"beta2"`
	Epsilon               float64 `yaml:"epsilon"`
	ClipGradientNorm      bool    `yaml:"clip_gradient_norm"`
	GradientClipNormValue float64 `yaml:"gradient_clip_norm_value"`
	GradientSkip          bool    `yaml:"gradient_skip"`
	GradientSkipThreshold float64 `yaml:"gradient_skip_threshold"`
}

// Init holds model-initialisation settings.
type Init struct {
	BatchSize int `yaml:"batch_size"`
}

// Train holds the training loop's settings.
type Train struct {
	TotalTrainSteps                  int     `yaml:"total_train_steps"`
	BatchSize                        int     `yaml:"batch_size"`
	EmaDecay                         float64 `yaml:"ema_decay"`
	ResumeFromEma                    bool    `yaml:"resume_from_ema"`
	LoggingIntervalInSteps           int     `yaml:"logging_interval_in_steps"`
	CheckpointAndEvalIntervalInSteps int     `yaml:"checkpoint_and_eval_interval_in_steps"`
}

// Val holds the validation settings.
type Val struct {
	NSamplesForValidation int `yaml:"n_samples_for_validation"`
	BatchSize             int `yaml:"batch_size"`
}

// Synthesis holds the inference settings.
type Synthesis struct {
	SynthesisMode              string               `yaml:"synthesis_mode"`
	LoadEmaWeights             bool                 `yaml:"load_ema_weights"`
	VariateMasksQuantile       float64              `yaml:"variate_masks_quantile"`
	SaveTargetInReconstruction bool                 `yaml:"save_target_in_reconstruction"`
	MaskReconstruction         bool                 `yaml:"mask_reconstruction"`
	DivStatsSubsetRatio        float64              `yaml:"div_stats_subset_ratio"`
	NGenerationBatches         int                  `yaml:"n_generation_batches"`
	TemperatureSettings        []TemperatureSetting `yaml:"temperature_settings"`
	OutputTemperature          float64              `yaml:"output_temperature"`
	BatchSize                  int                  `yaml:"batch_size"`
}

// TemperatureSetting is one generation temperature setting: a single value
// for every layer (Value), a linear ramp From..To over the layers (Linear),
// or one value per layer (PerLayer). In YAML it is written as 0.8,
// [linear, 0.7, 0.9] or [1.0, 0.9, ...] respectively.
type TemperatureSetting struct {
	Value    float64   `json:"value,omitempty"`
	Linear   bool      `json:"linear,omitempty"`
	From     float64   `json:"from,omitempty"`
	To       float64   `json:"to,omitempty"`
	PerLayer []float64 `json:"per_layer,omitempty"`
}

// NumLatentGroups is L, the number of latent groups of the top-down network:
// sum(down_n_blocks_per_res) + len(down_strides).
func (m *Model) NumLatentGroups() int {
	n := len(m.DownStrides)
	for _, b := range m.DownNBlocksPerRes {
		n += b
	}
	return n
}

// IsBinarized reports whether the dataset is binarized MNIST, the one dataset
// with a Bernoulli output, [0, 1] inputs and a 28x28 loss window.
func (d *Data) IsBinarized() bool { return d.DatasetSource == "binarized_mnist" }

// IsPadded28 reports whether the images are 28x28 digits or clothes padded
// by 2 to 32x32 (binarized_mnist, mnist, fashion_mnist): their losses and
// samples use only the central 28x28.
func (d *Data) IsPadded28() bool {
	switch d.DatasetSource {
	case "binarized_mnist", "mnist", "fashion_mnist":
		return d.TargetRes == 32
	}
	return false
}
