"""The game's look: large enough for a projector (teacher) and a phone held at arm's length.

The teacher's screen is read from the back of a classroom at 1280x720: no text under
18 px there, the room code at 96 px. The pupil's screen is one column that fits 390 px
(a phone), with buttons a thumb can hit.
"""

CSS = """
.game { max-width: 100%; }
.game .week-banner { font-size: 30px; font-weight: 700; display: block; margin: 4px 0 2px 0; }
.game .where { font-size: 18px; color: #333; display: block; margin-bottom: 8px; }
.game .room-code { font-size: 96px; font-weight: 800; letter-spacing: 0.12em; line-height: 1;
                   display: block; margin: 4px 0; }
.game .room-code-small { font-size: 56px; }
.game .address { font-size: 24px; display: block; margin: 2px 0 10px 0; }
.game .address b { font-family: monospace; }
.game .teacher, .game .teacher .v-btn, .game .teacher .v-label, .game .teacher input,
.game .teacher td, .game .teacher th, .game .teacher li, .game .teacher p {
    font-size: 18px !important; }
.game .teacher .v-btn { height: 48px !important; padding: 0 22px !important; }
.game .teacher .v-card__title { font-size: 22px !important; }
.game .teacher .about, .game .teacher .story, .game .teacher .where,
.game .teacher .choice-help, .game .teacher .v-expansion-panel-header,
.game .teacher .v-alert__content, .game .teacher .prose p, .game .teacher .prose li {
    font-size: 18px !important; }
.game .log { font-size: 18px; line-height: 1.45; max-height: 420px; overflow-y: auto;
             margin: 0; padding-left: 1.1em; }
.game .log li { margin-bottom: 4px; }
.game .roster { font-size: 18px; line-height: 1.5; margin: 0; padding-left: 1.1em; }
.game .pupil { max-width: 36rem; }
.game .pupil .v-btn { min-height: 48px; font-size: 17px !important; }
.game .pupil .v-label, .game .pupil input, .game .pupil .v-select__selection {
    font-size: 17px !important; }
.game .choice { margin: 14px 0 4px 0; }
.game .choice-help { font-size: 15px; color: #444; line-height: 1.35; display: block;
                     margin: 6px 0 6px 0; }
.game .facts { width: 100%; border-collapse: collapse; font-size: 17px; }
.game .facts td { padding: 3px 6px; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
.game .facts td:last-child { text-align: right; font-weight: 700; white-space: nowrap;
                             font-size: 19px; }
.game .facts small { display: block; font-size: 14px; color: #555; }
.game .choice-label { font-size: 17px; font-weight: 600; display: block; line-height: 1.3; }
.game .claimants { width: 100%; border-collapse: collapse; font-size: 15px; }
.game .claimants th, .game .claimants td { padding: 2px 4px; text-align: right;
                                           border-bottom: 1px solid #e4e4e4; }
.game .claimants th:first-child, .game .claimants td:first-child { text-align: left; }
.game .status { font-size: 18px; font-weight: 600; display: block; margin: 4px 0 8px 0; }
.game .about { font-size: 16px; color: #333; display: block; margin-bottom: 8px; }
.game .debrief-headline { font-size: 20px; line-height: 1.45; margin: 0 0 12px 0;
                          padding-left: 1.1em; }
.game .comparison { border-collapse: collapse; margin: 8px 0 16px 0; }
.game .comparison th, .game .comparison td { padding: 5px 12px; border-bottom: 1px solid #ddd;
                                              text-align: right; }
.game .comparison th:first-child, .game .comparison td:first-child { text-align: left; }
.game .comparison td.yours, .game .comparison th.yours { color: #b34700; font-weight: 700; }
.game .story { font-size: 17px; line-height: 1.45; display: block; margin: 6px 0; }
.game .table-scroll { overflow-x: auto; max-width: 100%; }
.game .pupil .debrief-headline { font-size: 17px; }
.game .pupil .comparison { font-size: 14px; }
.game .pupil .comparison th, .game .pupil .comparison td { padding: 4px 6px; }
.game .pupil .week-banner { font-size: 26px; }
.game .room-line { font-size: 26px; display: block; margin: 4px 0; }
.game .room-line b { font-family: monospace; font-size: 34px; letter-spacing: 0.08em; }
.game .picture img { max-width: 100%; height: auto; display: block; }
.game .downloads { margin: 10px 0 24px 0; flex-wrap: wrap; }
.game .landing { max-width: 64rem; }
.game .prose p, .game .prose li { font-size: 18px !important; line-height: 1.5; }
"""
