"""The app's style sheet: text a class can read from the back, growing with the screen.

Every size is in `rem`, the page's root font size, which is 18 px on a
1280-pixel-wide screen and grows with it (24 px at 1920): `max(18px, 6px +
0.9375vw)`. Nothing a class reads is smaller than 1 rem, Vuetify's own
smaller sizes included (buttons, tabs, labels, menus, alerts), and a
select's or text field's floating label, which Vuetify shrinks to three
quarters, is not used: labels sit above their controls. The pictures are
drawn with the same text size (`panels.py`).

The Explore and Compare pages are two columns, controls at the side and the
page's numbers and pictures in the main one, each scrolling on its own. On a
window narrower than 960 CSS pixels (a 1280x720 projector with the browser
zoomed to 150% is 853) they stack: the run's buttons stay at the top while
the page scrolls, then its options, the numbers and pictures, the settings.
"""

CSS = """
html:root { font-size: max(18px, calc(6px + 0.9375vw)) !important; }
.v-application { font-size: 1rem; line-height: 1.45; }
.v-application .v-btn { font-size: 1rem !important; text-transform: none; letter-spacing: 0.01em;
                        height: auto !important; min-height: 2.3rem; }
.v-application .v-btn.v-size--small { min-height: 2rem; }
.v-application .v-tab { font-size: 1rem !important; text-transform: none;
                        letter-spacing: 0.01em; }
.v-application .v-toolbar__title { font-size: 1.2rem; }
.v-application .v-label, .v-application .v-select__selection, .v-application .v-input,
.v-application .v-input input, .v-application .v-list-item__title,
.v-application .v-list-item__content, .v-application .v-alert,
.v-application .v-alert__content, .v-application .v-expansion-panel-header,
.v-menu__content .v-list-item__title, .v-menu__content .v-list-item {
    font-size: 1rem !important; }
.v-application .v-card__title { font-size: 1.2rem; padding-bottom: 0.3rem; }
.v-application .v-card__text { font-size: 1rem; }
.v-application .v-input input { max-height: none; }
.v-application .v-messages { font-size: 1rem; }
.v-application .prose p, .v-application .prose li, .v-application .prose td,
.v-application .prose th, .v-application .prose code, .v-application .prose strong,
.v-application .prose em { font-size: 1rem !important; }
/* A floating label (Mesa's controls have them) stays full size above its field. */
.v-navigation-drawer .v-text-field .v-label--active {
    transform: translateY(-1.25rem) scale(1) !important; }
.v-navigation-drawer .v-text-field { padding-top: 1.2rem; }

.page { display: grid; grid-template-columns: clamp(19rem, 27vw, 26rem) minmax(0, 1fr);
        gap: 1rem 1.4rem; align-items: start; }
.page-side { position: sticky; top: 0; max-height: calc(100vh - 140px); overflow-y: auto;
             padding: 2px 6px 2px 2px; }
.page-side > .v-card { margin-bottom: 0.8rem; }
.page-main { min-width: 0; }
@media (max-width: 959px) {
  .page { grid-template-columns: minmax(0, 1fr); }
  .page-side { display: contents; }
  .page-side > .run-card { order: 1; position: sticky; top: 0; z-index: 5; }
  .page-main { order: 2; }
  .page-side > .page-settings { order: 3; }
  .page-side > .run-card > .v-card__title { display: none; }
}

.controls .help { font-size: 1rem; color: #444; line-height: 1.35; margin: 0.1rem 0 0.7rem 0;
                  display: block; }
.controls .v-input--selection-controls, .controls .v-slider { margin-top: 0; }
.control-label, .knob-label { font-size: 1rem; font-weight: 600; display: block;
                              margin-top: 0.5rem; }
.term { cursor: help; text-decoration: underline dotted #999; text-underline-offset: 0.2em; }
.run-bar { padding-bottom: 0.2rem; }
.run-week { font-size: 1.1rem; font-weight: 600; display: block; margin-top: 0.4rem; }
.v-btn-toggle { flex-wrap: wrap; }
.v-btn-toggle .v-btn { min-height: 2.2rem !important; padding: 0 0.7rem !important; }
.week-input { max-width: 6rem; }
.scenario-name { font-weight: 600; display: block; margin: 0.3rem 0 0.1rem 0; }
.scenario-picker, .knob-choice { margin-top: 0; padding-top: 0.2rem; }
.scenario-picker .v-label { display: none; }  /* the label above says it, larger */
.this-run { color: #222; font-size: 1rem; display: block; margin-bottom: 0.5rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
         gap: 0.55rem; margin-bottom: 0.7rem; }
.stat { border: 1px solid #bbb; border-radius: 6px; padding: 0.25rem 0.7rem 0.4rem 0.7rem;
        cursor: help; }
.stat .stat-value { font-size: 1.75rem; font-weight: 700; display: block; line-height: 1.2; }
.stat .stat-label { font-size: 1rem; font-weight: 600; display: block; line-height: 1.25; }
.stat .stat-detail { font-size: 1rem; color: #333; display: block; line-height: 1.3; }
.follow { margin: 0.4rem 0 0.8rem 0; }
.follow-text { font-size: 1rem; display: block; margin-top: 0.2rem; }
.follow-number { max-width: 7rem; }
.picture-caption { font-size: 1rem; color: #222; display: block; margin: 0.2rem 0 0.8rem 0; }
.pictures { display: grid; gap: 16px; margin-bottom: 16px; }
.picture img { max-width: 100%; width: 100%; height: auto; display: block; }
.drawing { margin: 0 0 0.3rem 0; }
.downloads { margin: 0.6rem 0 1.5rem 0; }
.against table, .comparison table { font-size: 1.05rem; border-collapse: collapse;
                                    margin-bottom: 0.8rem; }
.against td, .against th, .comparison td, .comparison th {
    padding: 0.2rem 0.7rem; border-bottom: 1px solid #ddd; text-align: right; }
.against th[scope=row], .comparison th[scope=row] { text-align: left; font-weight: 500;
                                                    cursor: help; }
.against thead th, .comparison thead th { font-weight: 700; vertical-align: bottom; }
.comparison { overflow-x: auto; }
.verdict { display: block; font-size: 1rem; margin-bottom: 0.8rem; }
.pending { margin-bottom: 0.6rem; }
.knob .v-input__slot { margin-bottom: 0; }
.upload-scenario { margin: 0.3rem 0 0.5rem 0; }
.upload-scenario .v-btn { width: 100%; text-transform: none; white-space: normal; }
/* Solara's Column carries Vuetify's ma-0 (margin 0 !important): centring must outrank it. */
.v-application .lesson.ma-0 { max-width: 46rem; width: 100%; margin-left: auto !important;
                             margin-right: auto !important; padding: 0 1.2rem; }
.v-application .lesson .prose p, .v-application .lesson .prose li,
.v-application .lesson .prose td, .v-application .lesson .prose th,
.v-application .lesson .prose dd, .v-application .lesson .prose dt {
    font-size: 1rem !important; line-height: 1.55; }
.v-application .lesson .prose code { font-size: 1rem !important; }
.lesson .lesson-title { font-size: 1.55rem; font-weight: 700; display: block; margin: 0.5rem 0; }
.lesson .prose h2 { font-size: 1.35rem; margin-top: 1.3rem; }
.lesson .experiment { margin: 0.7rem 0; }
.lesson .question { background: #fff8e1; padding: 0.2rem 0.6rem; border-radius: 4px; }
.glossary dt { font-weight: 700; margin-top: 0.5rem; }
.glossary dd { margin-left: 1rem; }
.spread-plot { margin-top: 0.5rem; }
"""
