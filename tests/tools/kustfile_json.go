// An oracle for src/kustomize/edit/kustomization_types.yaml: kustomize v5.8.1's
// kustomization structs (field names, json tags and embedding, as declared in api/types
// and kyaml/resid) decoded and encoded by the real encoding/json. Reads one JSON
// kustomization per line on standard input (unknown fields refused, as kustomize refuses
// them) and prints the JSON the structs encode to, keys sorted, or ERROR.
//
// tests/kustomize_cli.rs runs it (GO111MODULE=off go run) when a Go toolchain is on PATH
// and compares its output with kforge::kustomize::edit::normalize.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

type ObjectMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}
type Gvk struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version,omitempty"`
	Kind    string `json:"kind,omitempty"`
}
type ResId struct {
	Gvk       `json:",inline,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}
type FieldSpec struct {
	Gvk    `json:",inline,omitempty"`
	Path   string `json:"path,omitempty"`
	Create bool   `json:"create,omitempty"`
}
type Label struct {
	Pairs            map[string]string `json:"pairs,omitempty"`
	IncludeSelectors bool              `json:"includeSelectors,omitempty"`
	IncludeTemplates bool              `json:"includeTemplates,omitempty"`
	Fields           []FieldSpec       `json:"fields,omitempty"`
}
type Selector struct {
	ResId              `json:",inline,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
}
type PatchArgs struct {
	AllowNameChange bool `json:"allowNameChange,omitempty"`
	AllowKindChange bool `json:"allowKindChange,omitempty"`
}
type Patch struct {
	Path    string     `json:"path,omitempty"`
	Patch   string     `json:"patch,omitempty"`
	Target  *Selector  `json:"target,omitempty"`
	Options *PatchArgs `json:"options,omitempty"`
}
type Image struct {
	Name      string `json:"name,omitempty"`
	NewName   string `json:"newName,omitempty"`
	TagSuffix string `json:"tagSuffix,omitempty"`
	NewTag    string `json:"newTag,omitempty"`
	Digest    string `json:"digest,omitempty"`
}
type Replica struct {
	Name  string `json:"name,omitempty"`
	Count int64  `json:"count"`
}
type FieldOptions struct {
	Delimiter string `json:"delimiter,omitempty"`
	Index     int    `json:"index,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	Create    bool   `json:"create,omitempty"`
}
type SourceSelector struct {
	ResId     `json:",inline,omitempty"`
	FieldPath string        `json:"fieldPath,omitempty"`
	Options   *FieldOptions `json:"options,omitempty"`
}
type TargetSelector struct {
	Select     *Selector     `json:"select"`
	Reject     []*Selector   `json:"reject,omitempty"`
	FieldPaths []string      `json:"fieldPaths,omitempty"`
	Options    *FieldOptions `json:"options,omitempty"`
}
type Replacement struct {
	Source      *SourceSelector   `json:"source,omitempty"`
	Targets     []*TargetSelector `json:"targets,omitempty"`
	SourceValue *string           `json:"sourceValue,omitempty"`
}
type ReplacementField struct {
	Replacement `json:",inline,omitempty"`
	Path        string `json:"path,omitempty"`
}
type Target struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Gvk        `json:",inline,omitempty"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace,omitempty"`
}
type FieldSelector struct {
	FieldPath string `json:"fieldPath,omitempty"`
}
type Var struct {
	Name     string        `json:"name"`
	ObjRef   Target        `json:"objref"`
	FieldRef FieldSelector `json:"fieldref,omitempty"`
}
type LegacySortOptions struct {
	OrderFirst []string `json:"orderFirst"`
	OrderLast  []string `json:"orderLast"`
}
type SortOptions struct {
	Order             string             `json:"order,omitempty"`
	LegacySortOptions *LegacySortOptions `json:"legacySortOptions,omitempty"`
}
type GeneratorOptions struct {
	Labels                map[string]string `json:"labels,omitempty"`
	Annotations           map[string]string `json:"annotations,omitempty"`
	DisableNameSuffixHash bool              `json:"disableNameSuffixHash,omitempty"`
	Immutable             bool              `json:"immutable,omitempty"`
}
type KvPairSources struct {
	LiteralSources []string `json:"literals,omitempty"`
	FileSources    []string `json:"files,omitempty"`
	EnvSources     []string `json:"envs,omitempty"`
	EnvSource      string   `json:"env,omitempty"`
}
type GeneratorArgs struct {
	Namespace     string `json:"namespace,omitempty"`
	Name          string `json:"name,omitempty"`
	Behavior      string `json:"behavior,omitempty"`
	KvPairSources `json:",inline,omitempty"`
	Options       *GeneratorOptions `json:"options,omitempty"`
}
type ConfigMapArgs struct {
	GeneratorArgs `json:",inline,omitempty"`
}
type SecretArgs struct {
	GeneratorArgs `json:",inline,omitempty"`
	Type          string `json:"type,omitempty"`
}
type HelmGlobals struct {
	ChartHome  string `json:"chartHome,omitempty"`
	ConfigHome string `json:"configHome,omitempty"`
}
type HelmChart struct {
	Name                  string                 `json:"name,omitempty"`
	Version               string                 `json:"version,omitempty"`
	Repo                  string                 `json:"repo,omitempty"`
	ReleaseName           string                 `json:"releaseName,omitempty"`
	Namespace             string                 `json:"namespace,omitempty"`
	AdditionalValuesFiles []string               `json:"additionalValuesFiles,omitempty"`
	ValuesFile            string                 `json:"valuesFile,omitempty"`
	ValuesInline          map[string]interface{} `json:"valuesInline,omitempty"`
	ValuesMerge           string                 `json:"valuesMerge,omitempty"`
	IncludeCRDs           bool                   `json:"includeCRDs,omitempty"`
	SkipHooks             bool                   `json:"skipHooks,omitempty"`
	ApiVersions           []string               `json:"apiVersions,omitempty"`
	KubeVersion           string                 `json:"kubeVersion,omitempty"`
	NameTemplate          string                 `json:"nameTemplate,omitempty"`
	SkipTests             bool                   `json:"skipTests,omitempty"`
	Debug                 bool                   `json:"debug,omitempty"`
	Devel                 bool                   `json:"devel,omitempty"`
}
type HelmChartArgs struct {
	ChartName        string                 `json:"chartName,omitempty"`
	ChartVersion     string                 `json:"chartVersion,omitempty"`
	ChartRepoURL     string                 `json:"chartRepoUrl,omitempty"`
	ChartHome        string                 `json:"chartHome,omitempty"`
	ChartRepoName    string                 `json:"chartRepoName,omitempty"`
	HelmBin          string                 `json:"helmBin,omitempty"`
	HelmHome         string                 `json:"helmHome,omitempty"`
	Values           string                 `json:"values,omitempty"`
	ValuesLocal      map[string]interface{} `json:"valuesLocal,omitempty"`
	ValuesMerge      string                 `json:"valuesMerge,omitempty"`
	ReleaseName      string                 `json:"releaseName,omitempty"`
	ReleaseNamespace string                 `json:"releaseNamespace,omitempty"`
	ExtraArgs        []string               `json:"extraArgs,omitempty"`
}
type TypeMeta struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
}
type Kustomization struct {
	TypeMeta                    `json:",inline"`
	MetaData                    *ObjectMeta        `json:"metadata,omitempty"`
	OpenAPI                     map[string]string  `json:"openapi,omitempty"`
	NamePrefix                  string             `json:"namePrefix,omitempty"`
	NameSuffix                  string             `json:"nameSuffix,omitempty"`
	Namespace                   string             `json:"namespace,omitempty"`
	CommonLabels                map[string]string  `json:"commonLabels,omitempty"`
	Labels                      []Label            `json:"labels,omitempty"`
	CommonAnnotations           map[string]string  `json:"commonAnnotations,omitempty"`
	PatchesStrategicMerge       []string           `json:"patchesStrategicMerge,omitempty"`
	PatchesJson6902             []Patch            `json:"patchesJson6902,omitempty"`
	Patches                     []Patch            `json:"patches,omitempty"`
	Images                      []Image            `json:"images,omitempty"`
	ImageTags                   []Image            `json:"imageTags,omitempty"`
	Replacements                []ReplacementField `json:"replacements,omitempty"`
	Replicas                    []Replica          `json:"replicas,omitempty"`
	Vars                        []Var              `json:"vars,omitempty"`
	SortOptions                 *SortOptions       `json:"sortOptions,omitempty"`
	Resources                   []string           `json:"resources,omitempty"`
	Components                  []string           `json:"components,omitempty"`
	Crds                        []string           `json:"crds,omitempty"`
	Bases                       []string           `json:"bases,omitempty"`
	ConfigMapGenerator          []ConfigMapArgs    `json:"configMapGenerator,omitempty"`
	SecretGenerator             []SecretArgs       `json:"secretGenerator,omitempty"`
	HelmGlobals                 *HelmGlobals       `json:"helmGlobals,omitempty"`
	HelmCharts                  []HelmChart        `json:"helmCharts,omitempty"`
	HelmChartInflationGenerator []HelmChartArgs    `json:"helmChartInflationGenerator,omitempty"`
	GeneratorOptions            *GeneratorOptions  `json:"generatorOptions,omitempty"`
	Configurations              []string           `json:"configurations,omitempty"`
	Generators                  []string           `json:"generators,omitempty"`
	Transformers                []string           `json:"transformers,omitempty"`
	Validators                  []string           `json:"validators,omitempty"`
	BuildMetadata               []string           `json:"buildMetadata,omitempty"`
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var k Kustomization
		if err := dec.Decode(&k); err != nil {
			fmt.Println("ERROR")
			continue
		}
		out, _ := json.Marshal(k)
		// Through interface{} again: keys sorted, as the comparison wants them.
		var sorted interface{}
		if err := json.Unmarshal(out, &sorted); err != nil {
			fmt.Println("ERROR")
			continue
		}
		o2, _ := json.Marshal(sorted)
		fmt.Println(string(o2))
	}
}
